// Caption lines for the listener and speaker pages (docs/lines.md, docs/protocol.md): each
// {"type":"line"} message replaces its line's text in place when its rev is newer. The first
// stable_chars bytes of the text are shown settled, the rest tentative; a final line is settled
// as a whole. Lines are appended in line order; a revision never moves other lines.
// Exposes window.ParleyLines.create(container, { maxLines }) -> { update(m), clear() }.
(() => {
  // Byte offset (UTF-8) -> JavaScript string index: stable_chars counts bytes.
  function charIndex(text, bytes) {
    let b = 0;
    for (let i = 0; i < text.length; i++) {
      if (b >= bytes) return i;
      const c = text.codePointAt(i);
      b += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (c >= 0x10000) i++;
    }
    return text.length;
  }

  function create(container, options) {
    const maxLines = (options && options.maxLines) || 200;
    const lines = new Map();  // line number -> { el, rev }

    function element(n) {
      let entry = lines.get(n);
      if (entry) return entry;
      const el = document.createElement('p');
      el.className = 'line';
      el.dataset.line = String(n);
      const settled = document.createElement('span');
      settled.className = 'settled';
      const tentative = document.createElement('span');
      tentative.className = 'tentative';
      el.append(settled, tentative);
      // In line order, even when a late joiner's history arrives after a newer line.
      let before = null;
      for (const child of container.children) {
        if (Number(child.dataset.line) > n) { before = child; break; }
      }
      container.insertBefore(el, before);
      entry = { el, rev: 0 };
      lines.set(n, entry);
      while (container.children.length > maxLines) {
        const first = container.firstChild;
        lines.delete(Number(first.dataset.line));
        container.removeChild(first);
      }
      return entry;
    }

    function update(m) {
      const entry = element(m.line);
      if (m.rev <= entry.rev) return false;  // an older revision (replayed after a reconnect)
      entry.rev = m.rev;
      const cut = m.final ? m.text.length : charIndex(m.text, m.stable_chars || 0);
      entry.el.children[0].textContent = m.text.slice(0, cut);
      entry.el.children[1].textContent = m.text.slice(cut);
      entry.el.classList.toggle('final', !!m.final);
      entry.el.dataset.rev = String(m.rev);
      return true;
    }

    function clear() {
      lines.clear();
      container.innerHTML = '';
    }

    return { update, clear };
  }

  window.ParleyLines = { create };
})();
