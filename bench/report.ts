import { mkdirSync, writeFileSync } from 'node:fs';

// Results: one row per measured value, with its ceiling, the ratio, the target and whether it holds.

export interface ResultRow {
  scenario: string;
  metric: string;
  measured: number;
  unit: string;
  ceiling?: { name: string; value: number };
  ratio?: number;
  /** the same ratio per CPU time: (ceiling's CPU per operation) / (Latchkey's CPU per operation), robust to a busy machine */
  cpuRatio?: number;
  /** the floor (bench/floor): CPU per operation of Latchkey's processes and of the floor's, ms, and their ratio */
  latchkeyCpuMs?: number;
  floorCpuMs?: number;
  floorRatio?: number;
  target: string;
  /** null when the target cannot be judged in this run (e.g. flatness needs a small-scale run to compare with) */
  holds: boolean | null;
  note?: string;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  store: string;
  scale: string;
  server: string;
  connections: number;
  machine: { cpus: number; node: string };
  seed: Record<string, unknown>;
  ceilings: Record<string, number | undefined>;
  rows: ResultRow[];
  details: Record<string, unknown>;
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(digits || (v < 10 ? 2 : 1)));

export function table(rows: ResultRow[]): string {
  const lines = [
    '| scenario | metric | measured | ceiling | ratio | CPU ratio | Latchkey CPU ms/op | floor CPU ms/op | floor ratio | target | holds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ceiling = r.ceiling ? `${fmt(r.ceiling.value)} (${r.ceiling.name})` : '';
    const holds = r.holds === null ? 'n/a' : r.holds ? 'yes' : '**no**';
    const ratio = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(v < 0.01 ? 4 : 2));
    const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(v < 1 ? 3 : 2));
    lines.push(`| ${r.scenario} | ${r.metric} | ${fmt(r.measured)} ${r.unit} | ${ceiling} | ${ratio(r.ratio)} | ${ratio(r.cpuRatio)} | ${ms(r.latchkeyCpuMs)} | ${ms(r.floorCpuMs)} | ${ratio(r.floorRatio)} | ${r.target} | ${holds}${r.note ? ` (${r.note})` : ''} |`);
  }
  return lines.join('\n');
}

/** A row judged against `ratio × ceiling`. */
export function ratioRow(scenario: string, metric: string, measured: number, unit: string, ceiling: { name: string; value: number } | undefined, minRatio: number, note?: string): ResultRow {
  if (!ceiling || !ceiling.value) return { scenario, metric, measured, unit, target: `≥ ${minRatio} × ceiling`, holds: null, note: note ?? 'no ceiling measured' };
  const ratio = measured / ceiling.value;
  return { scenario, metric, measured, unit, ceiling, ratio, target: `≥ ${minRatio} × ${ceiling.name}`, holds: ratio >= minRatio, note };
}

/** The floor target of issue 14: Latchkey's CPU per operation at most this many times the floor's. */
export const FLOOR_RATIO_TARGET = 1.5;

/**
 * A row judged against the floor measured in the same run: Latchkey's CPU per operation over the floor's,
 * at most FLOOR_RATIO_TARGET. `ceiling`, when given, is information only (its ratio is shown, not judged).
 */
export function floorRow(scenario: string, metric: string, measured: number, unit: string, cpu: { latchkey: number; floor: number | undefined },
  ceiling?: { name: string; value: number }, note?: string): ResultRow {
  const floorRatio = cpu.floor && cpu.floor > 0 ? cpu.latchkey / cpu.floor : undefined;
  return {
    scenario, metric, measured, unit, ceiling, ratio: ceiling?.value ? measured / ceiling.value : undefined,
    latchkeyCpuMs: cpu.latchkey, floorCpuMs: cpu.floor, floorRatio, target: `floor ratio ≤ ${FLOOR_RATIO_TARGET}`,
    holds: floorRatio === undefined ? null : floorRatio <= FLOOR_RATIO_TARGET, note: note ?? (floorRatio === undefined ? 'no floor measured' : undefined),
  };
}

export function limitRow(scenario: string, metric: string, measured: number, unit: string, max: number, note?: string): ResultRow {
  return { scenario, metric, measured, unit, target: `< ${max} ${unit}`, holds: measured < max, note };
}

export function writeResults(result: RunResult, files: string[]): void {
  mkdirSync('bench/results', { recursive: true });
  for (const f of files) writeFileSync(f, `${JSON.stringify(result, null, 2)}\n`);
}
