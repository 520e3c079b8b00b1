/*
 * block1_raw HOST PORT: sends hand-built Block1 requests (RFC 7959) to
 * test/echo of a running `gkdc serve` with the test-resource plugin, over
 * plain UDP, and checks the answers:
 *   - a transfer without Size1 followed by a repeated last block, which
 *     stops a host that leaves Block1 to libcoap 4.3.1 (NULL body);
 *   - a body that grows past the host's 64 KiB limit (4.13);
 *   - a first block announcing a too large Size1 (4.13);
 *   - a block out of order (4.08) and a short middle block (4.00);
 *   - a three-block upload echoed back whole;
 * and finally that the host still answers. Prints one line per check and
 * "N passed, N failed"; exits 1 when a check failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define OPT_URI_PATH 11
#define OPT_CONTENT_FORMAT 12
#define OPT_BLOCK1 27
#define OPT_SIZE1 60

static int sock = -1;
static struct sockaddr_in server;
static uint16_t next_mid = 0x4000;
static int passed, failed;

struct option_spec {
  uint16_t number;
  const uint8_t *value;
  size_t len;
};

static size_t put_uint(uint8_t *buf, uint32_t v) {
  size_t n = 0;
  uint8_t tmp[4];

  while (v != 0) {
    tmp[n++] = (uint8_t)v;
    v >>= 8;
  }
  for (size_t i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  return n;
}

static size_t put_option_head(uint8_t *p, uint16_t delta, size_t len) {
  size_t n = 1;
  uint8_t d = (uint8_t)(delta < 13 ? delta : delta < 269 ? 13 : 14);
  uint8_t l = (uint8_t)(len < 13 ? len : len < 269 ? 13 : 14);

  p[0] = (uint8_t)((d << 4) | l);
  if (d == 13)
    p[n++] = (uint8_t)(delta - 13);
  else if (d == 14) {
    p[n++] = (uint8_t)((delta - 269) >> 8);
    p[n++] = (uint8_t)(delta - 269);
  }
  if (l == 13)
    p[n++] = (uint8_t)(len - 13);
  else if (l == 14) {
    p[n++] = (uint8_t)((len - 269) >> 8);
    p[n++] = (uint8_t)(len - 269);
  }
  return n;
}

/* Sends a CON POST to test/echo with the given Block1 value (and Size1
 * when size1 > 0) and payload; returns the response code or -1. The body
 * of the response goes to *reply (capacity cap), its length to *reply_len. */
static int post_block(uint32_t block1, uint32_t size1, const uint8_t *payload,
                      size_t len, uint8_t *reply, size_t cap, size_t *reply_len) {
  static uint8_t msg[2048];
  uint8_t b1[4], s1[4], in[2048];
  size_t b1_len = put_uint(b1, block1), s1_len = put_uint(s1, size1);
  struct option_spec opts[5];
  size_t count = 0, n = 0;
  uint16_t last = 0;
  uint16_t mid = next_mid++;
  ssize_t got;

  opts[count++] = (struct option_spec){OPT_URI_PATH, (const uint8_t *)"test", 4};
  opts[count++] = (struct option_spec){OPT_URI_PATH, (const uint8_t *)"echo", 4};
  opts[count++] = (struct option_spec){OPT_CONTENT_FORMAT, NULL, 0};
  opts[count++] = (struct option_spec){OPT_BLOCK1, b1, b1_len};
  if (size1 > 0)
    opts[count++] = (struct option_spec){OPT_SIZE1, s1, s1_len};

  msg[n++] = 0x41; /* version 1, CON, token length 1 */
  msg[n++] = 0x02; /* POST */
  msg[n++] = (uint8_t)(mid >> 8);
  msg[n++] = (uint8_t)mid;
  msg[n++] = 0x5a; /* token */
  for (size_t i = 0; i < count; i++) {
    n += put_option_head(msg + n, (uint16_t)(opts[i].number - last), opts[i].len);
    if (opts[i].len > 0)
      memcpy(msg + n, opts[i].value, opts[i].len);
    n += opts[i].len;
    last = opts[i].number;
  }
  if (len > 0) {
    msg[n++] = 0xff;
    memcpy(msg + n, payload, len);
    n += len;
  }
  if (sendto(sock, msg, n, 0, (struct sockaddr *)&server, sizeof(server)) != (ssize_t)n)
    return -1;

  for (;;) {
    size_t pos;

    got = recv(sock, in, sizeof(in), 0);
    if (got < 4)
      return -1;
    if ((uint16_t)((in[2] << 8) | in[3]) != mid)
      continue; /* an answer to an earlier message */

    /* Skip the token and options to the payload. */
    pos = 4 + (in[0] & 0x0f);
    *reply_len = 0;
    while (pos < (size_t)got && in[pos] != 0xff) {
      size_t d = in[pos] >> 4, l = in[pos] & 0x0f;

      pos++;
      if (d == 13)
        pos += 1;
      else if (d == 14)
        pos += 2;
      if (l == 13)
        l = 13 + in[pos++];
      else if (l == 14) {
        l = 269 + ((size_t)in[pos] << 8) + in[pos + 1];
        pos += 2;
      }
      pos += l;
    }
    if (pos < (size_t)got && in[pos] == 0xff) {
      size_t body = (size_t)got - pos - 1;

      if (body > cap)
        body = cap;
      memcpy(reply, in + pos + 1, body);
      *reply_len = body;
    }
    return in[1];
  }
}

static void check_code(const char *what, int got, int want_class, int want_detail) {
  int want = (want_class << 5) | want_detail;

  if (got == want) {
    passed++;
    printf("ok: %s (%d.%02d)\n", what, want_class, want_detail);
  } else {
    failed++;
    if (got < 0)
      printf("FAIL: %s: no answer\n", what);
    else
      printf("FAIL: %s: %d.%02d, expected %d.%02d\n", what, got >> 5, got & 31,
             want_class, want_detail);
  }
}

#define BLOCK(num, more, szx) ((uint32_t)(((num) << 4) | ((more) ? 8 : 0) | (szx)))

int main(int argc, char **argv) {
  uint8_t block[1024], reply[2048], expected[200];
  size_t reply_len;
  struct timeval tv = {2, 0};
  int code;

  if (argc != 3) {
    fprintf(stderr, "usage: block1_raw HOST PORT\n");
    return 2;
  }
  sock = socket(AF_INET, SOCK_DGRAM, 0);
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  memset(&server, 0, sizeof(server));
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
    fprintf(stderr, "block1_raw: invalid address %s\n", argv[1]);
    return 2;
  }
  memset(block, 'x', sizeof(block));

  /* No Size1, then the last block twice: libcoap 4.3.1 crashed here. */
  for (int round = 0; round < 2; round++) {
    code = post_block(BLOCK(0, 1, 2), 0, block, 64, reply, sizeof(reply), &reply_len);
    check_code("first block without Size1", code, 2, 31);
    code = post_block(BLOCK(1, 0, 2), 0, block, 10, reply, sizeof(reply), &reply_len);
    check_code("last block", code, 2, 4);
    code = post_block(BLOCK(1, 0, 2), 0, block, 10, reply, sizeof(reply), &reply_len);
    check_code("repeated last block", code, 4, 8);
  }

  /* A body that grows past 64 KiB without announcing its size. */
  code = 0;
  for (uint32_t i = 0; i < 70; i++) {
    code = post_block(BLOCK(i, 1, 6), 0, block, 1024, reply, sizeof(reply), &reply_len);
    if (code != ((2 << 5) | 31))
      break;
  }
  check_code("body growing past 64 KiB", code, 4, 13);

  code = post_block(BLOCK(0, 1, 6), 1u << 30, block, 1024, reply, sizeof(reply), &reply_len);
  check_code("Size1 of 1 GiB", code, 4, 13);

  code = post_block(BLOCK(0, 1, 2), 0, block, 64, reply, sizeof(reply), &reply_len);
  check_code("new transfer", code, 2, 31);
  code = post_block(BLOCK(2, 1, 2), 0, block, 64, reply, sizeof(reply), &reply_len);
  check_code("block out of order", code, 4, 8);
  code = post_block(BLOCK(0, 1, 2), 0, block, 10, reply, sizeof(reply), &reply_len);
  check_code("short block with more to come", code, 4, 0);

  /* A three-block upload comes back whole. */
  for (size_t i = 0; i < sizeof(expected); i++)
    expected[i] = (uint8_t)('a' + i % 26);
  post_block(BLOCK(0, 1, 2), 0, expected, 64, reply, sizeof(reply), &reply_len);
  post_block(BLOCK(1, 1, 2), 0, expected + 64, 64, reply, sizeof(reply), &reply_len);
  code = post_block(BLOCK(2, 0, 2), 0, expected + 128, 72, reply, sizeof(reply), &reply_len);
  check_code("three-block upload", code, 2, 4);
  if (reply_len == sizeof(expected) && memcmp(reply, expected, reply_len) == 0) {
    passed++;
    printf("ok: echo of the three-block upload\n");
  } else {
    failed++;
    printf("FAIL: echo of the three-block upload: %zu bytes\n", reply_len);
  }

  close(sock);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
