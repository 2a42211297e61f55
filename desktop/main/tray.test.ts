import { EventEmitter } from 'node:events';
import type { Menu, MenuItem, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import { describe, expect, it } from 'vitest';
import { setupTray, trayIconVariant, trayMenuTemplate, trayTooltip, type TrayActions, type TrayCamera } from './tray.ts';

function recordingActions() {
  const calls: string[] = [];
  const actions: TrayActions = {
    watch: (id) => calls.push(`watch ${id}`),
    openMini: (id) => calls.push(`mini ${id}`),
    snapshot: (id) => calls.push(`snapshot ${id}`),
    openMain: () => calls.push('open'),
    openSettings: () => calls.push('settings'),
    setStartAtLogin: (on) => calls.push(`login ${on}`),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const cameras: TrayCamera[] = [
  { id: 'cam-a', name: 'Kitchen', state: 'online' },
  { id: 'cam-b', name: 'Cats & dogs', state: 'offline' },
  { id: 'cam-c', name: 'Garden', state: 'watching' },
  { id: 'cam-d', name: 'Hall', state: 'unknown' },
];

const byId = (items: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions => {
  for (const item of items) {
    if (item.id === id) return item;
    if (Array.isArray(item.submenu)) {
      const found = item.submenu.find((s) => s.id === id);
      if (found) return found;
    }
  }
  throw new Error(`no item ${id}`);
};
const click = (item: MenuItemConstructorOptions, checked?: boolean) =>
  (item.click as (i: MenuItem) => void)({ checked: checked ?? false } as MenuItem);

describe('tray menu', () => {
  it('lists every camera with its live state', () => {
    const { actions } = recordingActions();
    const menu = trayMenuTemplate(cameras, { startAtLogin: false }, actions);
    expect(menu.slice(0, 4).map((i) => i.label)).toEqual(['Kitchen — online', 'Cats && dogs — offline', 'Garden — watching', 'Hall — connecting…']);
  });

  it('offers Watch, Mini window and Snapshot per camera, enabled by state', () => {
    const { actions } = recordingActions();
    const menu = trayMenuTemplate(cameras, { startAtLogin: false }, actions);
    for (const camera of cameras) {
      const sub = byId(menu, `camera:${camera.id}`).submenu as MenuItemConstructorOptions[];
      expect(sub.map((i) => i.label)).toEqual(['Watch', 'Mini window', 'Snapshot']);
    }
    const enabled = (id: string) => byId(menu, id).enabled;
    expect([enabled('watch:cam-a'), enabled('mini:cam-a'), enabled('snapshot:cam-a')]).toEqual([true, true, true]);
    expect([enabled('watch:cam-b'), enabled('mini:cam-b'), enabled('snapshot:cam-b')]).toEqual([false, false, false]);
    expect(enabled('snapshot:cam-c')).toBe(true);
    expect([enabled('watch:cam-d'), enabled('snapshot:cam-d')]).toEqual([true, false]);
  });

  it('wires each item to its action', () => {
    const { calls, actions } = recordingActions();
    const menu = trayMenuTemplate(cameras, { startAtLogin: true }, actions);
    click(byId(menu, 'watch:cam-a'));
    click(byId(menu, 'mini:cam-c'));
    click(byId(menu, 'snapshot:cam-a'));
    click(byId(menu, 'open'));
    click(byId(menu, 'settings'));
    expect(byId(menu, 'login')).toMatchObject({ type: 'checkbox', checked: true });
    click(byId(menu, 'login'), false);
    click(byId(menu, 'quit'));
    expect(calls).toEqual(['watch cam-a', 'mini cam-c', 'snapshot cam-a', 'open', 'settings', 'login false', 'quit']);
  });

  it('has the app items in order and says when there are no cameras', () => {
    const { actions } = recordingActions();
    const menu = trayMenuTemplate([], { startAtLogin: false }, actions);
    expect(menu.map((i) => i.label ?? i.type)).toEqual([
      'No cameras yet — add one in pawcam',
      'separator',
      'Open pawcam',
      'Settings…',
      'Start at login',
      'separator',
      'Quit pawcam',
    ]);
    expect(menu[0]!.enabled).toBe(false);
  });

  it('picks the offline icon while any camera is offline, and summarises in the tooltip', () => {
    expect(trayIconVariant(cameras)).toBe('offline');
    expect(trayIconVariant(cameras.filter((c) => c.state !== 'offline'))).toBe('normal');
    expect(trayIconVariant([])).toBe('normal');
    expect(trayTooltip(cameras)).toBe('pawcam — 2 online, 1 offline');
    expect(trayTooltip([])).toBe('pawcam');
  });
});

describe('setupTray', () => {
  it('rebuilds the menu and swaps the icon as states arrive', () => {
    const normal = { name: 'normal' } as unknown as NativeImage;
    const offline = { name: 'offline' } as unknown as NativeImage;
    const trays: FakeTray[] = [];
    class FakeTray extends EventEmitter {
      image: NativeImage;
      menu: MenuItemConstructorOptions[] = [];
      tooltip = '';
      constructor(image: NativeImage) {
        super();
        this.image = image;
        trays.push(this);
      }
      setContextMenu(menu: Menu) {
        this.menu = menu as unknown as MenuItemConstructorOptions[];
      }
      setToolTip(t: string) {
        this.tooltip = t;
      }
      setImage(image: NativeImage) {
        this.image = image;
      }
      destroy() {}
    }
    const { calls, actions } = recordingActions();
    const tray = setupTray({
      Tray: FakeTray as unknown as new (i: NativeImage) => Tray,
      buildMenu: (t) => t as unknown as Menu,
      icons: { normal, offline },
      actions,
      startAtLogin: () => false,
      initialCameras: [{ id: 'cam-a', name: 'Kitchen' }],
    });
    const fake = trays[0]!;
    expect(fake.menu[0]!.label).toBe('Kitchen — connecting…');
    tray.update([{ id: 'cam-a', name: 'Kitchen', state: 'offline' }]);
    expect(fake.image).toBe(offline);
    expect(fake.menu[0]!.label).toBe('Kitchen — offline');
    tray.update([{ id: 'cam-a', name: 'Kitchen', state: 'online' }]);
    expect(fake.image).toBe(normal);
    expect(fake.tooltip).toBe('pawcam — 1 online');
    fake.emit('click');
    expect(calls).toEqual(['open']);
  });

  it('counts the events nobody has looked at at the top of the menu and in the tooltip; the item opens pawcam', () => {
    const trays: { menu: MenuItemConstructorOptions[]; tooltip: string }[] = [];
    class FakeTray extends EventEmitter {
      menu: MenuItemConstructorOptions[] = [];
      tooltip = '';
      constructor() {
        super();
        trays.push(this);
      }
      setContextMenu(menu: Menu) {
        this.menu = menu as unknown as MenuItemConstructorOptions[];
      }
      setToolTip(t: string) {
        this.tooltip = t;
      }
      setImage() {}
      destroy() {}
    }
    const { calls, actions } = recordingActions();
    const image = {} as NativeImage;
    const tray = setupTray({
      Tray: FakeTray as unknown as new (i: NativeImage) => Tray,
      buildMenu: (t) => t as unknown as Menu,
      icons: { normal: image, offline: image },
      actions,
      startAtLogin: () => false,
      initialCameras: [],
    });
    const fake = trays[0]!;
    expect(fake.menu.some((i) => i.id === 'unseen')).toBe(false);
    tray.setUnseen(3);
    expect(fake.menu[0]!.label).toBe('3 new events — open pawcam');
    expect(fake.tooltip).toBe('pawcam — 3 new events');
    (fake.menu[0]!.click as () => void)();
    expect(calls).toEqual(['open']);
    tray.update([{ id: 'cam-a', name: 'Kitchen', state: 'online' }]);
    expect(fake.tooltip).toBe('pawcam — 1 online, 3 new events');
    tray.setUnseen(1);
    expect(fake.menu[0]!.label).toBe('1 new event — open pawcam');
    tray.setUnseen(0);
    expect(fake.menu[0]!.label).toBe('Kitchen — online');
  });
});
