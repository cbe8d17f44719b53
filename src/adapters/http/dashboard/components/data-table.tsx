import type { FC } from "hono/jsx";

export interface Column {
  key: string;
  label: string;
  /** Right-aligned figures. */
  numeric?: boolean;
}

export interface DataTableProps {
  id: string;
  caption: string;
  columns: readonly Column[];
  /** A fixed-height scrolling box, for lists that sit above other content. */
  scroll?: boolean;
  empty: string;
}

/**
 * A table the client script fills row by row. The header is rendered here, so columns keep their widths. A
 * scrolling box is reached by keyboard as browsers make scroll containers focusable.
 */
export const DataTable: FC<DataTableProps> = ({ id, caption, columns, scroll, empty }) => (
  <div class={scroll ? "table-wrap scroll-box" : "table-wrap"}>
    <table id={id} data-columns={columns.map((column) => column.key).join(",")} data-empty={empty}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" class={column.numeric ? "num" : undefined} data-key={column.key}>
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr class="placeholder-row">
          <td colspan={columns.length}>Loading…</td>
        </tr>
      </tbody>
    </table>
  </div>
);
