/** English and Simplified Chinese; the choice is remembered in localStorage. */
import { EN, type MessageKey } from './i18n-en';
import { ZH } from './i18n-zh';

export type Lang = 'en' | 'zh';
export type { MessageKey };

const STORAGE_KEY = 'zkattest.lang';
const TABLES: Record<Lang, Record<MessageKey, string>> = { en: EN, zh: ZH };

let current: Lang = 'en';

export function initLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null; // storage disabled: fall back to the browser's language
  }
  current =
    stored === 'zh' || stored === 'en' ? stored : navigator.language.startsWith('zh') ? 'zh' : 'en';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  return current;
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

/** The message for `key` in the current language, {name} replaced from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return TABLES[current][key].replace(/\{(\w+)\}/g, (m, name: string) =>
    name in vars ? String(vars[name]) : m,
  );
}

/** A date-time in the current language, UTC (as-of times are instants, not local days). */
export function dateTime(unixSeconds: number): string {
  return (
    new Date(unixSeconds * 1000).toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone: 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
    }) + ' UTC'
  );
}

/** How long ago, by this browser's clock. */
export function age(unixSeconds: number, nowMs = Date.now()): string {
  const minutes = Math.floor((nowMs / 1000 - unixSeconds) / 60);
  if (minutes < 0) return t('age.future');
  if (minutes < 120) return t('age.minutes', { n: minutes });
  if (minutes < 48 * 60) return t('age.hours', { n: Math.floor(minutes / 60) });
  return t('age.days', { n: Math.floor(minutes / 1440) });
}
