// Clock sync with the sidecar (docs/protocol.md, "Clock and timing"): NTP-style pings, the sample with the
// smallest round trip wins. Local time is performance.now() in seconds; sidecar time is its monotonic clock.

export const localNow = () => performance.now() / 1000;

export class ClockSync {
  constructor(window = 16) {
    this.window = window; // recent samples kept, so a drifting clock is followed
    this.samples = [];
    this.offset = null; // sidecar - local, seconds
    this.rtt = null;
  }

  get synced() {
    return this.offset !== null;
  }

  /** One ping: sent at tClient (local), answered with tServer (sidecar), received at tReceive (local). */
  add(tClient, tServer, tReceive) {
    this.samples.push({ rtt: tReceive - tClient, offset: tServer - (tClient + tReceive) / 2 });
    if (this.samples.length > this.window) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
    this.rtt = best.rtt;
  }

  reset() {
    this.samples = [];
    this.offset = null;
    this.rtt = null;
  }

  toSidecar(local) {
    return local + this.offset;
  }

  toLocal(sidecar) {
    return sidecar - this.offset;
  }

  sidecarNow() {
    return this.toSidecar(localNow());
  }
}
