/**
 * A cell a spreadsheet will show as text, never run: a leading =, +, -, @, tab or CR gets a `'`
 * (numbers, negative ones included, stay numbers).
 */
export function spreadsheetSafe(cell: string): string {
  if (/^-?\d+(\.\d+)?$/.test(cell)) return cell;
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
