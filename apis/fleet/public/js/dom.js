// Elements built from data with textContent only: nothing the feed or API says becomes markup.
export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'dataset') Object.assign(node.dataset, value)
    else if (name in node) node[name] = value
    else node.setAttribute(name, value)
  }
  for (const child of [children].flat()) node.append(child)
  return node
}

export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}
