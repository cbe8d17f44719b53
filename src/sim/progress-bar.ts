/** A one-line progress bar on a terminal (stderr); silent when stderr is not a terminal. */
export class ProgressBar {
  private lastDrawn = -1;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    if (!this.stream.isTTY || total <= 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const percent = Math.floor((done / total) * 100);
    if (percent === this.lastDrawn) return;
    this.lastDrawn = percent;
    this.stream.write(`\r${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent}%`);
  }

  done(): void {
    if (this.stream.isTTY && this.lastDrawn >= 0) this.stream.write("\r\x1b[K");
  }
}
