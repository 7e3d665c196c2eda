// Types for tokenward/prometheus (written by hand; checked by `tsc --strict` on typed/usage.ts).
import type { Verifier } from './index';

/** One metric in the shape prom-client's Registry accepts (`registry.registerMetric`). */
export interface TokenwardMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): { name: string; help: string; type: string; aggregator: 'sum'; values: { value: number; labels: Record<string, string | number>; metricName?: string }[] };
}

export interface MetricsOptions {
  /** The `verifier` label of every value. Default: "default". */
  name?: string;
  /** Metric name prefix. Default: "tokenward". */
  prefix?: string;
}

/** The verifier's metrics, read at each scrape, without registering them. */
export declare function metrics(verifier: Verifier, options?: MetricsOptions): TokenwardMetric[];
/** Registers the verifier's metrics on a prom-client Registry (e.g. `client.register`). */
export declare function registerMetrics(
  verifier: Verifier,
  options: MetricsOptions & { registry: { registerMetric(metric: TokenwardMetric): void } },
): TokenwardMetric[];
