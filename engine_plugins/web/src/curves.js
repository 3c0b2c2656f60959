// Live curves of the main blendshapes over the last seconds, as applied on screen.

const CHANNELS = [
  ['jawOpen', '#ff8a65'], ['mouthFunnel', '#ba68c8'], ['mouthPucker', '#4dd0e1'],
  ['mouthSmileLeft', '#aed581'], ['eyeBlinkLeft', '#90a4ae'], ['browInnerUp', '#ffd54f'],
];
const SPAN_S = 6;

export class Curves {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.samples = []; // [t, values]
  }

  push(t, read) {
    this.samples.push([t, CHANNELS.map(([name]) => read(name))]);
    while (this.samples.length && this.samples[0][0] < t - SPAN_S) this.samples.shift();
  }

  draw() {
    const { canvas, ctx } = this;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    ctx.clearRect(0, 0, w, h);
    const top = 18, bottom = h - 6, plot = bottom - top;
    ctx.strokeStyle = '#ffffff18';
    ctx.beginPath();
    for (const v of [0, 0.5, 1]) {
      ctx.moveTo(0, bottom - v * plot);
      ctx.lineTo(w, bottom - v * plot);
    }
    ctx.stroke();
    ctx.font = '11px system-ui, sans-serif';
    let x = 8;
    CHANNELS.forEach(([name, color]) => {
      ctx.fillStyle = color;
      ctx.fillText(name, x, 12);
      x += ctx.measureText(name).width + 14;
    });
    if (this.samples.length < 2) return;
    const end = this.samples[this.samples.length - 1][0];
    CHANNELS.forEach(([, color], c) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = c === 0 ? 2 : 1.2;
      ctx.beginPath();
      this.samples.forEach(([t, values], i) => {
        const px = w - ((end - t) / SPAN_S) * w;
        const py = bottom - Math.min(1, Math.max(0, values[c])) * plot;
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
      ctx.stroke();
    });
  }
}
