/**
 * The dashboard over plain HTTP, logged in as a browser is: GET the login form (its cookie and
 * CSRF field), POST it with the admin token from the same origin, keep the session cookie.
 */
import { expect } from 'vitest';

export type UiPage = { status: number; text: string };
export type UiSession = { get(path: string): Promise<UiPage> };

export async function uiSession(base: string, token: string): Promise<UiSession> {
  const form = await fetch(`${base}/ui/login`);
  const loginCookie = /xkslab_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
  const field = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  const res = await fetch(`${base}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: base,
      cookie: `xkslab_login=${loginCookie}`,
    },
    body: new URLSearchParams({ _csrf: field ?? '', token }).toString(),
  });
  expect(res.status).toBe(303);
  const session = /xkslab_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  expect(session).toBeDefined();
  return {
    async get(path) {
      const page = await fetch(`${base}${path}`, {
        redirect: 'manual',
        headers: { cookie: `xkslab_session=${session}` },
      });
      return { status: page.status, text: await page.text() };
    },
  };
}
