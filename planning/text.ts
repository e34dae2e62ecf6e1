/** Plain-text helpers shared by the capacity and cost reports (numbers and aligned columns). */

/** 1234567.8 → "1,234,568"; fractions kept to `digits` places. */
export function formatNumber(x: number, digits = 0): string {
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Dollars with cents and thousands separators: "$1,234.56". */
export function formatUsd(x: number): string {
  const sign = x < 0 ? "-" : "";
  return `${sign}$${formatNumber(Math.abs(x), 2)}`;
}

/**
 * Columns padded to their widest cell; `right` lists the columns aligned right (numbers). The last
 * column is never padded, so lines carry no trailing blanks.
 */
export function columns(rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        if (right.includes(i)) return cell.padStart(widths[i]);
        return i === row.length - 1 ? cell : cell.padEnd(widths[i]);
      })
      .join("  ")
      .trimEnd(),
  );
}
