import type { FC } from "hono/jsx";

export interface StatCardProps {
  /** The `data-stat` key the client script fills. */
  stat: string;
  label: string;
  /** A line under the figure: what it is measured over. */
  note?: string;
}

/** One figure of a card row; its size is fixed so that filling it moves nothing. */
export const StatCard: FC<StatCardProps> = ({ stat, label, note }) => (
  <div class="stat-card">
    <span class="stat-label">{label}</span>
    <span class="stat-value" data-stat={stat}>
      –
    </span>
    <span class="stat-note" data-stat-note={stat}>
      {note ?? ""}
    </span>
  </div>
);
