/**
 * The one way the transcoder starts a media tool (ffmpeg, ffprobe, or any other program that reads untrusted
 * media): with an environment holding no credentials and, where configured, as an unprivileged user of its own.
 *
 * Why: a hostile file that takes over ffmpeg runs with what ffmpeg holds. The task's credentials are reachable
 * through AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (an unguessable path on 169.254.170.2) in the environment — its
 * own, or the parent's through /proc/<pid>/environ when it runs as the same user. A tool started here sees neither:
 * its environment is rebuilt from an allow-list, and as another uid (MEDIA_TOOL_USER, set by the image) the
 * kernel refuses it the Node process's /proc files.
 */
import { type ChildProcess, execFile, type StdioOptions, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENV, optional } from '../../../../lambdas/core/env.js';

/** The variables a tool may inherit: where programs are, and the locale. Nothing else passes (no AWS_*, ECS_*). */
export const TOOL_ENV_KEYS = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ'] as const;

/** The user and group a tool runs as. */
export interface ToolUser {
  uid: number;
  gid: number;
}

/** The environment a tool starts with: the allow-listed variables of `env`, plus `extra` (a tool's own settings). */
export function toolEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string> = {},
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const key of TOOL_ENV_KEYS) {
    const value = env[key];
    if (value !== undefined) kept[key] = value;
  }
  for (const key of Object.keys(extra)) {
    if (/^(AWS_|ECS_)/.test(key)) throw new Error(`A media tool is not given ${key}`);
  }
  return { ...kept, ...extra };
}

/** MEDIA_TOOL_USER (`uid:gid`), or undefined when unset; a malformed value is a configuration error. */
export function toolUser(env: NodeJS.ProcessEnv = process.env): ToolUser | undefined {
  const value = optional('MEDIA_TOOL_USER', env);
  if (value === undefined) return undefined;
  const match = /^(\d+):(\d+)$/.exec(value);
  if (!match) throw new Error(`${ENV.MEDIA_TOOL_USER} must be uid:gid (numbers), not ${value}`);
  const user = { uid: Number(match[1]), gid: Number(match[2]) };
  if (user.uid === 0) throw new Error(`${ENV.MEDIA_TOOL_USER} must not be root`);
  return user;
}

/**
 * The spawn options every tool gets: the scrubbed environment, and the tool user when configured. Switching user
 * needs root (`processUid` 0): configured otherwise, this throws rather than start the tool with the parent's uid.
 */
export function toolSpawnOptions(
  env: NodeJS.ProcessEnv = process.env,
  processUid: number | undefined = process.getuid?.(),
  extraEnv: Record<string, string> = {},
): { env: Record<string, string>; uid?: number; gid?: number } {
  const user = toolUser(env);
  const options = { env: toolEnvironment(env, extraEnv) };
  if (!user) return options;
  if (processUid !== 0) {
    throw new Error(`${ENV.MEDIA_TOOL_USER} is set, but only root can start tools as another user (uid ${processUid})`);
  }
  // Node drops supplementary groups (setgroups) before setgid/setuid when either is given.
  return { ...options, uid: user.uid, gid: user.gid };
}

/** Options of one run: the largest stdout/stderr kept, and variables a tool needs besides the allow-list. */
export interface ToolRunOptions {
  maxBuffer?: number;
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this many milliseconds. @default none */
  timeoutMs?: number;
  /** Killed (SIGKILL) when this aborts; the run then rejects. @default none */
  signal?: AbortSignal;
}

const exec = promisify(execFile);

/** Runs a tool to the end; resolves to its output, rejects like execFile (the error carries stdout and stderr). */
export function runTool(
  program: string,
  args: readonly string[],
  options: ToolRunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const spawnOptions = toolSpawnOptions(process.env, process.getuid?.(), options.env);
  return exec(program, [...args], {
    ...spawnOptions,
    maxBuffer: options.maxBuffer ?? 1024 * 1024,
    encoding: 'utf8',
    ...((options.timeoutMs !== undefined || options.signal) && { killSignal: 'SIGKILL' as const }),
    ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    ...(options.signal && { signal: options.signal }),
  });
}

/** Starts a tool for its streams (ffmpeg's `-progress`, a watchdog): the caller owns the child. */
export function spawnTool(program: string, args: readonly string[], stdio: StdioOptions): ChildProcess {
  return spawn(program, [...args], { ...toolSpawnOptions(), stdio });
}

/**
 * A scratch folder the tools can write: under the OS temp directory, and with a tool user, group-owned by its
 * group with the setgid bit (what is made inside inherits the group) and group-writable. The entry point sets its
 * umask to 007 in that case (`prepareToolProcess`), so files and folders it makes inside are group-writable too.
 */
export async function makeWorkDir(prefix: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const user = toolUser(env);
  if (user) {
    await chown(dir, process.getuid?.() ?? 0, user.gid);
    await chmod(dir, 0o2770);
  }
  return dir;
}

/** At start: with a tool user, what this process makes is group-writable (and nothing of it world-readable). */
export function prepareToolProcess(env: NodeJS.ProcessEnv = process.env): void {
  if (toolUser(env)) process.umask(0o007);
}
