/** A one-line progress bar on stderr (a plain line per 10% when stderr is not a terminal). */
export function progressBar(): (label: string, done: number, total: number) => void {
  let lastLabel = "";
  let lastTenth = -1;
  const started = new Map<string, number>();
  return (label, done, total) => {
    if (!started.has(label)) started.set(label, Date.now());
    const pct = total ? Math.floor((done / total) * 100) : 100;
    const elapsed = (Date.now() - started.get(label)!) / 1000;
    const eta = done > 0 && done < total ? ` ~${Math.round((elapsed / done) * (total - done))} s left` : "";
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(
        `\r${label.padEnd(28)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${eta}   `,
      );
      if (done >= total) process.stderr.write("\n");
      return;
    }
    const tenth = Math.floor(pct / 10);
    if (label !== lastLabel || tenth !== lastTenth || done >= total) {
      process.stderr.write(`${label}: ${done}/${total} (${pct}%)${eta}\n`);
      lastLabel = label;
      lastTenth = tenth;
    }
  };
}
