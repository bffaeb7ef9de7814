import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadProfiles, selectProfile, userProfilesPath } from '../../src/config/profiles.js';

let root: string;
let cwd: string;
let home: string;
let xdg: string;

function write(file: string, profiles: Record<string, object>, extra: object = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ profiles, ...extra }));
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'llmap-profiles-'));
  cwd = path.join(root, 'project');
  home = path.join(root, 'home');
  xdg = path.join(root, 'xdg');
  mkdirSync(cwd);
  mkdirSync(home);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('where the profiles file is found', () => {
  test('the working folder first, then $XDG_CONFIG_HOME/llmap/config.json; never both', async () => {
    write(path.join(cwd, 'llmap.config.json'), { here: {} });
    write(path.join(xdg, 'llmap', 'config.json'), { user: {} });
    const env = { HOME: home, XDG_CONFIG_HOME: xdg };

    const local = await loadProfiles({ cwd, env });
    expect(local?.file).toBe('llmap.config.json');
    expect(local?.path).toBe(path.join(cwd, 'llmap.config.json'));
    expect([...local!.profiles.keys()]).toEqual(['here']);

    rmSync(path.join(cwd, 'llmap.config.json'));
    const user = await loadProfiles({ cwd, env });
    expect(user?.file).toBe(path.join(xdg, 'llmap', 'config.json'));
    expect([...user!.profiles.keys()]).toEqual(['user']);
  });

  test('~/.config/llmap/config.json when XDG_CONFIG_HOME is unset or relative', async () => {
    write(path.join(home, '.config', 'llmap', 'config.json'), { home: {} });
    expect(userProfilesPath({ HOME: home })).toBe(path.join(home, '.config', 'llmap', 'config.json'));
    expect(userProfilesPath({ HOME: home, XDG_CONFIG_HOME: 'relative/dir' })).toBe(path.join(home, '.config', 'llmap', 'config.json'));
    const loaded = await loadProfiles({ cwd, env: { HOME: home, XDG_CONFIG_HOME: 'relative/dir' } });
    expect([...loaded!.profiles.keys()]).toEqual(['home']);
  });

  test('--config wins over both and is named as given, relative to the working folder', async () => {
    write(path.join(cwd, 'llmap.config.json'), { here: {} });
    write(path.join(xdg, 'llmap', 'config.json'), { user: {} });
    write(path.join(cwd, 'team', 'profiles.json'), { team: {} });
    const loaded = await loadProfiles({ configPath: 'team/profiles.json', cwd, env: { HOME: home, XDG_CONFIG_HOME: xdg } });
    expect(loaded?.file).toBe('team/profiles.json');
    expect(loaded?.path).toBe(path.join(cwd, 'team', 'profiles.json'));
    expect([...loaded!.profiles.keys()]).toEqual(['team']);
  });

  test('no file anywhere is fine', async () => {
    expect(await loadProfiles({ cwd, env: { HOME: home, XDG_CONFIG_HOME: xdg } })).toBeUndefined();
  });

  test('a missing --config file is an error', async () => {
    await expect(loadProfiles({ configPath: 'nope.json', cwd, env: { HOME: home } })).rejects.toThrow(
      'cannot read --config nope.json: no such file',
    );
    await expect(loadProfiles({ configPath: '.', cwd, env: { HOME: home } })).rejects.toThrow('cannot read --config .: it is a folder');
  });

  test('a broken file is reported with its name', async () => {
    writeFileSync(path.join(cwd, 'llmap.config.json'), '{"profiles": {"fast": {"temperature": "hot"}}}');
    await expect(loadProfiles({ cwd, env: { HOME: home } })).rejects.toThrow(
      'llmap.config.json: profiles.fast.temperature: expected a number from 0 to 2, got "hot"',
    );
    const user = path.join(xdg, 'llmap', 'config.json');
    mkdirSync(path.dirname(user), { recursive: true });
    writeFileSync(user, '{"profiles": }');
    await expect(loadProfiles({ cwd: home, env: { HOME: home, XDG_CONFIG_HOME: xdg } })).rejects.toThrow(
      `${user}: not valid JSON (unexpected '}' at line 1 column 14)`,
    );
  });
});

describe('selectProfile', () => {
  test('the named profile, else the default, else none', async () => {
    write(path.join(cwd, 'llmap.config.json'), { fast: { model: 'a' }, cheap: { model: 'b' } }, { default: 'cheap' });
    const loaded = await loadProfiles({ cwd, env: { HOME: home } });
    expect(selectProfile(loaded, 'fast')).toEqual({ name: 'fast', model: 'a' });
    expect(selectProfile(loaded)).toEqual({ name: 'cheap', model: 'b' });
    expect(selectProfile(undefined)).toBeUndefined();

    write(path.join(cwd, 'llmap.config.json'), { fast: {} });
    expect(selectProfile(await loadProfiles({ cwd, env: { HOME: home } }))).toBeUndefined();
  });

  test('an unknown name lists the profiles', async () => {
    write(path.join(cwd, 'llmap.config.json'), { fast: {}, cheap: {} });
    const loaded = await loadProfiles({ cwd, env: { HOME: home } });
    expect(() => selectProfile(loaded, 'slow')).toThrow("unknown profile 'slow' in llmap.config.json; profiles are: fast, cheap");
    expect(() => selectProfile(loaded, 'constructor')).toThrow("unknown profile 'constructor'");
  });

  test('--profile without a profiles file says where to put one', () => {
    expect(() => selectProfile(undefined, 'fast')).toThrow(
      '--profile fast: no profiles file found; create llmap.config.json in this folder or $XDG_CONFIG_HOME/llmap/config.json (default ~/.config/llmap/config.json), or name one with --config',
    );
  });
});
