// WebKitGTK (Safari's engine) for the browser tests: Debian's WebKitWebDriver starts the
// MiniBrowser, driven by selenium-webdriver. The MiniBrowser has no headless mode, so the
// driver runs under xvfb-run, on a virtual display of its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

import { Builder } from 'selenium-webdriver';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function untilListening(port, driver) {
  for (let tries = 0; tries < 100; tries++) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited (${driver.exitCode})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`WebKitWebDriver did not listen on port ${port} within 10 s`);
}

/**
 * Starts WebKitWebDriver under xvfb-run and opens one MiniBrowser session.
 * @returns {Promise<{driver: import('selenium-webdriver').WebDriver, close: () => Promise<void>}>}
 */
export async function launchWebKit() {
  for (const [file, pkg] of [[WEBKIT_DRIVER, 'webkit2gtk-driver'], [MINIBROWSER, 'webkit2gtk-driver'],
    ['/usr/bin/xvfb-run', 'xvfb']]) {
    assert.ok(existsSync(file), `${file} is missing: apt-get install ${pkg}`);
  }
  const port = await freePort();
  // detached: the driver, Xvfb and the browser form one process group, killed together.
  const server = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--host=127.0.0.1`, `--port=${port}`],
    { stdio: 'ignore', detached: true });
  const killAll = () => { try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ } };
  try {
    await untilListening(port, server);
    const driver = await new Builder().usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({ browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } })
      .build();
    return {
      driver,
      close: async () => {
        try {
          await driver.quit();
        } finally {
          killAll();
        }
      },
    };
  } catch (error) {
    killAll();
    throw error;
  }
}
