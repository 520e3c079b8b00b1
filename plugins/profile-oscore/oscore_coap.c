/*
 * CoAP message serialization for the OSCORE core (RFC 7252 section 3):
 * the option list of the inner plaintext, and whole datagrams for the
 * response cache and the tests.
 */
#include <string.h>

#include "oscore.h"

#define PAYLOAD_MARKER 0xff

/* The nibble and extended bytes of an option delta or length. */
static size_t ext_len(size_t v)
{
  if (v < 13)
    return 0;
  if (v < 269)
    return 1;
  return 2;
}

static uint8_t ext_nibble(size_t v)
{
  if (v < 13)
    return (uint8_t)v;
  if (v < 269)
    return 13;
  return 14;
}

static void ext_write(size_t v, uint8_t *out)
{
  if (v >= 269) {
    v -= 269;
    out[0] = (uint8_t)(v >> 8);
    out[1] = (uint8_t)v;
  } else if (v >= 13) {
    out[0] = (uint8_t)(v - 13);
  }
}

int gkdc_oscore_options_encode(const struct gkdc_coap_option *opts, size_t count,
                               uint8_t *out, size_t cap, size_t *len)
{
  size_t pos = 0;
  uint16_t prev = 0;
  size_t i;

  for (i = 0; i < count; i++) {
    size_t delta;
    size_t vlen = opts[i].value.len;
    size_t need;

    if (opts[i].number < prev || vlen > 65535 + 269)
      return 0;
    delta = (size_t)(opts[i].number - prev);
    need = 1 + ext_len(delta) + ext_len(vlen) + vlen;

    if (out != NULL) {
      if (cap - pos < need)
        return 0;
      out[pos] = (uint8_t)((ext_nibble(delta) << 4) | ext_nibble(vlen));
      ext_write(delta, out + pos + 1);
      ext_write(vlen, out + pos + 1 + ext_len(delta));
      if (vlen > 0)
        memcpy(out + pos + 1 + ext_len(delta) + ext_len(vlen), opts[i].value.ptr, vlen);
    }
    pos += need;
    prev = opts[i].number;
  }

  *len = pos;
  return 1;
}

/* Reads an extended delta or length for `nibble`; 15 is an error. */
static int ext_read(uint8_t nibble, const uint8_t *in, size_t len, size_t *pos,
                    size_t *v)
{
  if (nibble < 13) {
    *v = nibble;
    return 1;
  }
  if (nibble == 13) {
    if (len - *pos < 1)
      return 0;
    *v = (size_t)in[*pos] + 13;
    *pos += 1;
    return 1;
  }
  if (nibble == 14) {
    if (len - *pos < 2)
      return 0;
    *v = (((size_t)in[*pos] << 8) | in[*pos + 1]) + 269;
    *pos += 2;
    return 1;
  }
  return 0;
}

int gkdc_oscore_options_decode(const uint8_t *in, size_t len,
                               struct gkdc_coap_msg *msg)
{
  size_t pos = 0;
  size_t number = 0;

  msg->option_count = 0;
  msg->payload.ptr = NULL;
  msg->payload.len = 0;

  while (pos < len) {
    uint8_t head = in[pos++];
    size_t delta;
    size_t vlen;

    if (head == PAYLOAD_MARKER) {
      /* A marker followed by an empty payload is a format error. */
      if (pos == len)
        return 0;
      msg->payload.ptr = in + pos;
      msg->payload.len = len - pos;
      return 1;
    }

    if (!ext_read(head >> 4, in, len, &pos, &delta) ||
        !ext_read(head & 0x0f, in, len, &pos, &vlen))
      return 0;
    number += delta;
    if (number > UINT16_MAX || len - pos < vlen)
      return 0;
    if (msg->option_count == GKDC_COAP_MAX_OPTIONS)
      return 0;

    msg->options[msg->option_count].number = (uint16_t)number;
    msg->options[msg->option_count].value.ptr = vlen > 0 ? in + pos : NULL;
    msg->options[msg->option_count].value.len = vlen;
    msg->option_count++;
    pos += vlen;
  }
  return 1;
}

int gkdc_oscore_msg_encode(const struct gkdc_coap_msg *msg, uint8_t *out,
                           size_t cap, size_t *len)
{
  size_t pos = 4;
  size_t olen;

  if (msg->token_len > 8 || msg->type > GKDC_COAP_RST || cap < 4 + msg->token_len)
    return 0;

  out[0] = (uint8_t)(0x40 | (msg->type << 4) | msg->token_len);
  out[1] = msg->code;
  out[2] = (uint8_t)(msg->mid >> 8);
  out[3] = (uint8_t)msg->mid;
  if (msg->token_len > 0)
    memcpy(out + pos, msg->token, msg->token_len);
  pos += msg->token_len;

  if (!gkdc_oscore_options_encode(msg->options, msg->option_count, out + pos,
                                  cap - pos, &olen))
    return 0;
  pos += olen;

  if (msg->payload.len > 0) {
    if (cap - pos < 1 + msg->payload.len)
      return 0;
    out[pos++] = PAYLOAD_MARKER;
    memcpy(out + pos, msg->payload.ptr, msg->payload.len);
    pos += msg->payload.len;
  }

  *len = pos;
  return 1;
}

int gkdc_oscore_msg_decode(const uint8_t *in, size_t len, struct gkdc_coap_msg *msg)
{
  size_t tkl;

  memset(msg, 0, sizeof(*msg));
  if (len < 4 || (in[0] >> 6) != 1)
    return 0;
  tkl = in[0] & 0x0f;
  if (tkl > 8 || len - 4 < tkl)
    return 0;

  msg->type = (in[0] >> 4) & 0x03;
  msg->code = in[1];
  msg->mid = (uint16_t)((in[2] << 8) | in[3]);
  msg->token_len = tkl;
  if (tkl > 0)
    memcpy(msg->token, in + 4, tkl);

  /* An empty message is the 4-byte header alone. */
  if (msg->code == 0)
    return len == 4 && tkl == 0;

  return gkdc_oscore_options_decode(in + 4 + tkl, len - 4 - tkl, msg);
}

const struct gkdc_coap_option *gkdc_oscore_msg_find(const struct gkdc_coap_msg *msg,
                                                    uint16_t number)
{
  size_t i;

  for (i = 0; i < msg->option_count; i++)
    if (msg->options[i].number == number)
      return &msg->options[i];
  return NULL;
}

int gkdc_oscore_option_uint(const struct gkdc_coap_option *opt, uint32_t *v)
{
  uint32_t x = 0;
  size_t i;

  if (opt->value.len > 4)
    return 0;
  for (i = 0; i < opt->value.len; i++)
    x = (x << 8) | opt->value.ptr[i];
  *v = x;
  return 1;
}
