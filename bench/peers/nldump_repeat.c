/* c-raw repeated in one process: the same raw rtnetlink dump as ../shared/bench/nldump.c (walk
 * each message's header and top-level attributes, decode nothing), run N times over one socket,
 * so that its warm figure can be set beside ours (whose warm iterations also run in one
 * process). Prints {"tool":"c-raw repeated","msgs":M,"seconds":[s1, s2, ...]}.
 *
 *     nldump_repeat route|link|addr N
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char buf[1 << 16];

/* One dump; returns the number of messages, or -1 on an error. */
static long dump_once(int fd, int type, unsigned seq) {
  struct {
    struct nlmsghdr h;
    struct rtgenmsg g;
    char pad[3];
  } req;
  memset(&req, 0, sizeof req);
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = type;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = seq;
  req.g.rtgen_family = AF_UNSPEC;
  if (send(fd, &req, sizeof req, 0) < 0) return -1;
  int hdr = type == RTM_GETLINK ? (int)sizeof(struct ifinfomsg)
          : type == RTM_GETADDR ? (int)sizeof(struct ifaddrmsg)
                                : (int)sizeof(struct rtmsg);
  long msgs = 0, attrs = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return -1;
    int left = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) return attrs >= 0 ? msgs : -1;
      if (h->nlmsg_type == NLMSG_ERROR) return -1;
      msgs++;
      struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdr));
      int len = (int)h->nlmsg_len - NLMSG_LENGTH(hdr);
      for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) attrs++;
    }
  }
}

int main(int argc, char **argv) {
  int type = argc > 1 && !strcmp(argv[1], "link")   ? RTM_GETLINK
             : argc > 1 && !strcmp(argv[1], "addr") ? RTM_GETADDR
                                                    : RTM_GETROUTE;
  int runs = argc > 2 ? atoi(argv[2]) : 10;
  if (runs < 1 || runs > 1000) runs = 10;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    perror("socket");
    return 1;
  }
  int rcv = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  long msgs = 0;
  printf("{\"tool\":\"c-raw repeated\",\"seconds\":[");
  for (int r = 0; r < runs; r++) {
    double t0 = seconds_now();
    msgs = dump_once(fd, type, (unsigned)r + 1);
    if (msgs < 0) {
      fprintf(stderr, "dump failed\n");
      return 1;
    }
    printf("%s%.6f", r ? "," : "", seconds_now() - t0);
  }
  printf("],\"msgs\":%ld}\n", msgs);
  close(fd);
  return 0;
}
