// Headless Chromium (Debian's package, or $CHROMIUM) as every browser test
// launches it: no sandbox, GPU or background network (TOOLCHAIN.md).
import { chromium } from "playwright-core";

export const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

const args = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];

/** Launches the browser; close it in a `finally`. */
export function launchChromium() {
  return chromium.launch({ executablePath, args });
}
