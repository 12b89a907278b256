// Landing page: the join form opens the listener page of the session ID typed in. (A script
// file rather than an onsubmit attribute: the Content-Security-Policy forbids inline script.)
document.getElementById('join').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = e.target.elements.namedItem('id').value.trim();
  location.href = '/listen/' + encodeURIComponent(id);
});
