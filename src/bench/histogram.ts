import hdr from 'hdr-histogram-js';

/** Latencies in microseconds, 1 µs to 60 s, 3 significant digits (HDR histogram). */
export type Histogram = ReturnType<typeof hdr.build>;

export function newHistogram(): Histogram {
  return hdr.build({
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a latency given in milliseconds (clamped to the trackable range). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(60_000_000, Math.max(1, Math.round(ms * 1000))));
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Adds encoded histograms from the workers into one. */
export function merge(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) if (e) total.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return total;
}

/** The percentiles the report shows, in milliseconds. */
export function summary(h: Histogram): {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
} {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}
