// AudioWorklet processor for the speaker page: mixes to mono, resamples from the context's rate
// to 16 kHz (linear interpolation; the capture chain's own anti-aliasing is enough for speech
// recognition), converts to signed 16-bit, and posts 100 ms frames (1600 samples) plus the RMS
// level of each frame for the meter.
class PcmProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / 16000;  // input samples per output sample
    this.pos = 0;                     // fractional read position in `carry` + new input
    this.carry = new Float32Array(0);
    this.frame = new Int16Array(1600);
    this.filled = 0;
    this.sumSquares = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const n = input[0].length;
    const mono = new Float32Array(this.carry.length + n);
    mono.set(this.carry, 0);
    for (let c = 0; c < input.length; c++) {
      const ch = input[c];
      for (let i = 0; i < n; i++) mono[this.carry.length + i] += ch[i] / input.length;
    }
    while (this.pos + 1 < mono.length) {
      const i = Math.floor(this.pos);
      const f = this.pos - i;
      const v = mono[i] * (1 - f) + mono[i + 1] * f;
      const s = Math.max(-1, Math.min(1, v));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      this.sumSquares += s * s;
      if (this.filled === this.frame.length) {
        const level = Math.sqrt(this.sumSquares / this.frame.length);
        this.port.postMessage({ pcm: this.frame.buffer, level }, [this.frame.buffer]);
        this.frame = new Int16Array(1600);
        this.filled = 0;
        this.sumSquares = 0;
      }
      this.pos += this.ratio;
    }
    const keep = Math.floor(this.pos);
    this.carry = mono.slice(keep);
    this.pos -= keep;
    return true;
  }
}

registerProcessor('pcm-processor', PcmProcessor);
