/** One CSV cell (RFC 4180 quoting). */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line of cells. */
export function csvLine(values: readonly string[]): string {
  return values.map(csvCell).join(',');
}
