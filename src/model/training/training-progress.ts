/** The stages of a training run, with their share of its time (measured on the shipped prices). */
export const TRAINING_STAGES = {
  datasets: 0.2,
  rise: 0.17,
  meanRatio: 0.17,
  validation: 0.23,
  heldOut: 0.23,
} as const;

export type TrainingStage = keyof typeof TRAINING_STAGES;

const LABELS: Record<TrainingStage, string> = {
  datasets: "features and targets",
  rise: "fit P(rise)",
  meanRatio: "fit mean price",
  validation: "backtests, validation weeks",
  heldOut: "backtests, held-out weeks",
};

/** What training reports as it goes; the trainer calls it, the command draws it. */
export interface TrainingProgress {
  /** `within`: how much of the stage is done, 0..1; `detail`: what a person reads (rounds, loss). */
  stage(stage: TrainingStage, within: number, detail?: string): void;
}

export const SILENT_PROGRESS: TrainingProgress = { stage: () => {} };

/**
 * Progress on a terminal: one line redrawn in place (stage, rounds, validation loss, time left). Elsewhere (a log,
 * a pipe), a line when a stage starts and every quarter of it, so that a log shows the run without flooding.
 */
export class TerminalProgress implements TrainingProgress {
  private readonly started = performance.now();
  private lastLine = "";
  private lastQuarter = new Map<TrainingStage, number>();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  stage(stage: TrainingStage, within: number, detail = ""): void {
    const fraction = fractionDone(stage, Math.min(1, Math.max(0, within)));
    const elapsed = (performance.now() - this.started) / 1000;
    const left = fraction > 0.02 ? (elapsed / fraction) * (1 - fraction) : null;
    const text =
      `train ${String(Math.floor(fraction * 100)).padStart(3)}%  ${LABELS[stage]}` +
      `${detail ? `: ${detail}` : ""}${left === null ? "" : `  ~${clock(left)} left`}`;
    if (this.stream.isTTY) {
      if (text === this.lastLine) return;
      this.lastLine = text;
      this.stream.write(`\r\x1b[K${text}`);
      return;
    }
    const quarter = Math.floor(within * 4);
    if (this.lastQuarter.get(stage) === quarter) return;
    this.lastQuarter.set(stage, quarter);
    this.stream.write(`${text}\n`);
  }

  done(): void {
    if (this.stream.isTTY && this.lastLine) this.stream.write("\r\x1b[K");
  }
}

/** The share of the whole run done when `stage` is `within` (0..1) done. */
export function fractionDone(stage: TrainingStage, within: number): number {
  let before = 0;
  for (const [name, share] of Object.entries(TRAINING_STAGES)) {
    if (name === stage) return before + share * within;
    before += share;
  }
  return before;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
