/**
 * The CPU/memory pairs AWS Fargate accepts for a Linux task (CPU units → memory in MiB).
 * Anything else is rejected by the ECS API at deploy time; we reject it at synth.
 */
const RANGES: Readonly<Record<number, { min: number; max: number; step: number }>> = {
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

export const FARGATE_CPU_UNITS = [256, ...Object.keys(RANGES).map(Number)];

/** Memory sizes (MiB) Fargate accepts for `cpu`; empty if `cpu` itself is not a Fargate size. */
export function fargateMemoryOptions(cpu: number): number[] {
  // 0.25 vCPU is the one size whose options are not an even series.
  if (cpu === 256) return [512, 1024, 2048];
  const range = RANGES[cpu];
  if (!range) return [];
  const sizes: number[] = [];
  for (let m = range.min; m <= range.max; m += range.step) sizes.push(m);
  return sizes;
}
