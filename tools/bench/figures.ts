// The JSON the bench's child processes print (fleet-time.js, fleet-rss.js), checked with zod where it is read back.
import { type z, z as zod } from "zod";
import { SERIES, type SeriesFigures } from "./fleet-time";

/** fleet-time.js's line: one series' figures. */
export const SERIES_FIGURES = zod.object({
  series: zod.enum(SERIES),
  times: zod.record(zod.string(), zod.number()),
  perService: zod.number(),
  perServiceResources: zod.number(),
  runs: zod.number(),
}) satisfies z.ZodType<SeriesFigures>;

/** fleet-rss.js's line: peak RSS of a fleet. */
export const FLEET_RSS = zod.object({
  count: zod.number(),
  resources: zod.number(),
  peakRssMiB: zod.number(),
});

/** A child's JSON stdout, checked against its schema; the error names the script. */
export function parseFigures<T>(script: string, stdout: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(JSON.parse(stdout));
  if (!parsed.success)
    throw new Error(`${script} printed ${stdout.trim()}: ${zod.prettifyError(parsed.error)}`);
  return parsed.data;
}
