import { z } from "zod";

/** Building blocks of the response schemas: what the presenters' small encoders produce. */

/** An instant as `Date.toISOString()` writes it. */
export const isoTime = z.iso.datetime();
export const isoTimeOrNull = isoTime.nullable();
export const numberOrNull = z.number().nullable();
export const stringOrNull = z.string().nullable();

/** `{ success: true, ... }`, the original's acknowledgement. */
export const successFlag = z.boolean().describe("Always true on success");

/** Free-form JSON an operator reads (event metadata, decision inputs, job summaries, model metrics). */
export const jsonObject = z.record(z.string(), z.unknown());
