/**
 * Socket lists: the lazy message lists of netlink/list.ts under the names diag exports. The
 * dump's datagrams are kept, the list holds where each message starts in them (4 bytes a
 * socket), and reading an element makes a typed view over those bytes.
 *
 * @module
 */

import type { ListViewCtor, MessageList } from "../netlink/list.ts";

export { MessageListBuilder as SocketListBuilder } from "../netlink/list.ts";

/**
 * Sockets from a dump, read on demand: an `Array` (`length`, `list[i]`, `at(i)`, iteration,
 * `filter`, `map`, `find`, …) plus `toArray()` and `toJSON()`; see {@link MessageList}.
 */
export type SocketList<T> = MessageList<T>;

/** The constructor of a socket view (a typed message view class). */
export type SocketViewCtor<T> = ListViewCtor<T>;
