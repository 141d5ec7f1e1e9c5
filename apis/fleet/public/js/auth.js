// The page's token. With authentication on, open the map as /map/#token=<JWT with fleet:read>: the
// token stays in this tab (sessionStorage), leaves the address bar, and goes as a bearer header and a
// WebSocket subprotocol.
export function takeToken() {
  const token =
    new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('oxagry.token')
  if (token !== null) {
    sessionStorage.setItem('oxagry.token', token)
    history.replaceState(null, '', location.pathname)
  }
  return token
}

/** GETs JSON from this server with the token; an error answer throws with its code and message. */
export function apiGetter(token) {
  return async (path) => {
    const response = await fetch(
      path,
      token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
    )
    const body = await response.json().catch(() => ({}))
    if (!response.ok) throw new Error(`${path}: ${response.status} ${body.code ?? ''} ${body.message ?? ''}`)
    return body
  }
}
