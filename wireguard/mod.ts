/**
 * WireGuard through the `wireguard` generic netlink family, as `wg show` and `wg set` use it:
 * a device's private key, listen port and firewall mark, and its peers (public and preshared
 * keys, endpoints, allowed IPs, persistent keepalive; handshake time and traffic when read).
 *
 * ```ts
 * import { WireGuard, wgSetMessages } from "@denonet/netlink/wireguard";
 *
 * const peer = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
 * // What `wg set wg0 listen-port 51820 peer … allowed-ips 10.0.0.0/24` sends, checked first:
 * const [msg] = wgSetMessages("wg0", {
 *   listen_port: 51820,
 *   peers: [{ public_key: peer, endpoint: "192.0.2.1:51820", allowedips: ["10.0.0.0/24"] }],
 * });
 * console.log(msg.listen_port, (msg.peers as unknown[]).length); // 51820 1
 *
 * using wg = new WireGuard();
 * try {
 *   const dev = await wg.getDevice("wg0"); // { ifname, public_key, listen_port, peers: [...] }
 *   console.log(dev.peers.map((p) => p.endpoint));
 * } catch (e) {
 *   // A kernel without WireGuard: "… family "wireguard" is not available in this kernel …";
 *   // with it but no wg0: ENODEV.
 *   console.log((e as Error).message);
 * }
 * ```
 *
 * Keys are base64 text (as `wg genkey` prints them) or 32 bytes; a malformed key, endpoint or
 * allowed IP is a TypeError naming the field, before anything is sent.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./wireguard.ts";
