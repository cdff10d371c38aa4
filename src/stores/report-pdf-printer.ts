/**
 * Prints a self-contained HTML page (the roll report) to PDF with Debian's headless Chromium: the HTML goes
 * to a fresh temp directory (also Chromium's profile), Chromium prints it, the PDF's bytes are returned and
 * the directory is always removed. Chromium is optional for the line: without it the HTML report still works.
 */
import { execFile } from "node:child_process";
import { constants, accessSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";
export const DEFAULT_PDF_TIMEOUT_MS = 30_000;

export interface PrintPdfOptions {
  /** Default: $CHROMIUM_PATH, else /usr/bin/chromium. */
  readonly chromiumPath?: string;
  /** Chromium is killed after this long (default 30 s). */
  readonly timeoutMs?: number;
}

const chromiumPath = (opts?: PrintPdfOptions): string => opts?.chromiumPath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when the Chromium that printPdf would run is there. */
export function pdfAvailable(opts?: Pick<PrintPdfOptions, "chromiumPath">): boolean {
  return executable(chromiumPath(opts));
}

function missingChromium(path: string): Error {
  return new Error(
    `PDF needs Chromium, and there is none at ${path}: install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary. ` +
      "The HTML report works without it.",
  );
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err === null) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EACCES") return reject(missingChromium(file));
      const why = err.killed ? `did not finish within ${timeoutMs} ms` : `failed (${err.code ?? err.signal ?? err.message})`;
      reject(new Error(`PDF printing: Chromium ${why}: ${String(stderr).trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

/** The page printed to PDF by headless Chromium; throws if Chromium is missing, fails or takes too long. */
export async function printPdf(html: string, opts?: PrintPdfOptions): Promise<Buffer> {
  const chromium = chromiumPath(opts);
  if (!executable(chromium)) throw missingChromium(chromium);
  const timeoutMs = opts?.timeoutMs ?? DEFAULT_PDF_TIMEOUT_MS;
  const dir = await mkdtemp(join(tmpdir(), "roll-report-pdf-"));
  try {
    const htmlFile = join(dir, "report.html");
    const pdfFile = join(dir, "report.pdf");
    await writeFile(htmlFile, html, "utf8");
    await run(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${dir}`,
        "--no-pdf-header-footer",
        `--print-to-pdf=${pdfFile}`,
        pathToFileURL(htmlFile).href,
      ],
      timeoutMs,
    );
    const pdf = await readFile(pdfFile).catch(() => null);
    if (pdf === null || pdf.subarray(0, 5).toString("latin1") !== "%PDF-") throw new Error("PDF printing: Chromium exited but wrote no PDF");
    return pdf;
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }
}
