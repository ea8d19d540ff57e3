/** A cell of a grid of rows (rows may be shorter than others: a section's last row). */
export interface Cell {
  row: number;
  col: number;
}

/** Rows a Page Up / Page Down jumps. */
const PAGE_ROWS = 5;

/**
 * Where focus goes in a grid after a key (the ARIA grid pattern's keys): arrows move and wrap
 * at a row's ends, Home/End go to the row's ends (with Ctrl, the grid's), Page Up/Down jump a
 * few rows. `'above'` means the key left the grid upwards (to the search box); `null` that the
 * key is not a move.
 */
export function moveInGrid(
  rowLengths: readonly number[],
  at: Cell,
  key: string,
  ctrl = false,
): Cell | 'above' | null {
  const last = rowLengths.length - 1;
  const lengthOf = (row: number) => rowLengths[row] ?? 0;
  const inRow = (row: number, col: number): Cell => ({
    row,
    col: Math.max(0, Math.min(col, lengthOf(row) - 1)),
  });
  if (last < 0) return null;
  switch (key) {
    case 'ArrowRight':
      if (at.col + 1 < lengthOf(at.row)) return { row: at.row, col: at.col + 1 };
      return at.row < last ? { row: at.row + 1, col: 0 } : at;
    case 'ArrowLeft':
      if (at.col > 0) return { row: at.row, col: at.col - 1 };
      return at.row > 0 ? inRow(at.row - 1, lengthOf(at.row - 1) - 1) : at;
    case 'ArrowDown':
      return at.row < last ? inRow(at.row + 1, at.col) : at;
    case 'ArrowUp':
      return at.row > 0 ? inRow(at.row - 1, at.col) : 'above';
    case 'PageDown':
      return inRow(Math.min(last, at.row + PAGE_ROWS), at.col);
    case 'PageUp':
      return inRow(Math.max(0, at.row - PAGE_ROWS), at.col);
    case 'Home':
      return ctrl ? { row: 0, col: 0 } : { row: at.row, col: 0 };
    case 'End':
      return ctrl ? inRow(last, lengthOf(last) - 1) : inRow(at.row, lengthOf(at.row) - 1);
    default:
      return null;
  }
}

/** `items` cut into rows of `columns`. */
export function chunk<T>(items: readonly T[], columns: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += columns) rows.push(items.slice(i, i + columns));
  return rows;
}
