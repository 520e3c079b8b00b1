/*
 * Conversions of the client between gkdc_client_msg, the plain CoAP message
 * of <gkdc/coapmsg.h> (what a security object protects) and libcoap PDUs.
 */
#include <config.h>

#include <string.h>

#include "client_internal.h"
#include "internal.h"

/* Encodes `v` as a CoAP uint option value (shortest, no leading zeros). */
static size_t encode_uint(uint32_t v, uint8_t out[4]) {
  size_t len = 0;
  uint8_t tmp[4];

  while (v != 0) {
    tmp[len++] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
  for (size_t i = 0; i < len; i++)
    out[i] = tmp[len - 1 - i];
  return len;
}

static int add_option(struct gkdc_coap_msg *m, uint16_t number, const uint8_t *value,
                      size_t len) {
  if (m->option_count == GKDC_COAP_MAX_OPTIONS) {
    GKDC_ERR("client: the request needs more than %d options", GKDC_COAP_MAX_OPTIONS);
    return 0;
  }
  if (len > 255) {
    GKDC_ERR("client: option %u is longer than 255 bytes", (unsigned)number);
    return 0;
  }
  m->options[m->option_count].number = number;
  m->options[m->option_count].value.ptr = value;
  m->options[m->option_count].value.len = len;
  m->option_count++;
  return 1;
}

/* Adds the segments of `text` split at `sep` as options `number`. */
static int add_segments(struct gkdc_coap_msg *m, uint16_t number, const char *text, char sep) {
  const char *p = text;

  if (text == NULL || *text == '\0')
    return 1;
  for (;;) {
    const char *end = strchr(p, sep);
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

    if (!add_option(m, number, (const uint8_t *)p, len))
      return 0;
    if (end == NULL)
      return 1;
    p = end + 1;
  }
}

int gkdc_client_build_msg(const struct gkdc_client_msg *in, struct gkdc_client_wire *out) {
  struct gkdc_coap_msg *m = &out->msg;
  size_t len;

  memset(out, 0, sizeof(*out));
  m->type = GKDC_COAP_CON;
  m->code = (uint8_t)in->method;

  /* Options in ascending number order: 6, 11, 12, 15, 17. */
  if (in->observe) {
    len = encode_uint(GKDC_OBSERVE_REGISTER, out->uint_values[0]);
    if (!add_option(m, GKDC_OPT_OBSERVE, out->uint_values[0], len))
      return 0;
  }
  if (!add_segments(m, GKDC_OPT_URI_PATH, in->path, '/'))
    return 0;
  if (in->content_format >= 0) {
    len = encode_uint((uint32_t)in->content_format, out->uint_values[1]);
    if (!add_option(m, GKDC_OPT_CONTENT_FORMAT, out->uint_values[1], len))
      return 0;
  }
  if (!add_segments(m, GKDC_OPT_URI_QUERY, in->query, '&'))
    return 0;
  if (in->accept >= 0) {
    len = encode_uint((uint32_t)in->accept, out->uint_values[2]);
    if (!add_option(m, GKDC_OPT_ACCEPT, out->uint_values[2], len))
      return 0;
  }
  m->payload.ptr = in->payload;
  m->payload.len = in->payload_len;
  return 1;
}

coap_pdu_t *gkdc_client_msg_to_pdu(coap_session_t *session, const struct gkdc_coap_msg *msg) {
  coap_pdu_t *pdu;
  size_t i;

  pdu = coap_pdu_init(msg->type == GKDC_COAP_NON ? COAP_MESSAGE_NON : COAP_MESSAGE_CON,
                      (coap_pdu_code_t)msg->code, coap_new_message_id(session),
                      coap_session_max_pdu_size(session));
  if (pdu == NULL) {
    GKDC_ERR("client: cannot allocate a CoAP message");
    return NULL;
  }
  if (!coap_add_token(pdu, msg->token_len, msg->token))
    goto fail;
  for (i = 0; i < msg->option_count; i++) {
    const struct gkdc_coap_option *o = &msg->options[i];

    if (coap_add_option(pdu, o->number, o->value.len, o->value.ptr) == 0) {
      GKDC_ERR("client: libcoap rejected option %u of %zu bytes", (unsigned)o->number,
               o->value.len);
      goto fail;
    }
  }
  return pdu;

fail:
  coap_delete_pdu(pdu);
  return NULL;
}

int gkdc_client_pdu_to_msg(const coap_pdu_t *pdu, struct gkdc_coap_msg *out) {
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  coap_bin_const_t token = coap_pdu_get_token(pdu);
  size_t len = 0, offset = 0, total = 0;
  const uint8_t *data = NULL;

  memset(out, 0, sizeof(*out));
  out->type = (uint8_t)coap_pdu_get_type(pdu);
  out->code = (uint8_t)coap_pdu_get_code(pdu);
  out->mid = (uint16_t)coap_pdu_get_mid(pdu);
  out->token_len = token.length <= sizeof(out->token) ? token.length : 0;
  if (out->token_len > 0)
    memcpy(out->token, token.s, out->token_len);

  coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next(&it)) != NULL) {
    uint16_t number = it.number;

    /* libcoap reassembled the body: the block-wise options are its own. */
    if (number == GKDC_OPT_BLOCK1 || number == GKDC_OPT_BLOCK2 || number == GKDC_OPT_SIZE1 ||
        number == GKDC_OPT_SIZE2)
      continue;
    if (out->option_count == GKDC_COAP_MAX_OPTIONS)
      return 0;
    out->options[out->option_count].number = number;
    out->options[out->option_count].value.ptr = coap_opt_value(opt);
    out->options[out->option_count].value.len = coap_opt_length(opt);
    out->option_count++;
  }

  if (coap_get_data_large(pdu, &len, &data, &offset, &total) && data != NULL) {
    out->payload.ptr = data;
    out->payload.len = len;
  }
  return 1;
}

int64_t gkdc_client_msg_uint_option(const struct gkdc_coap_msg *msg, uint16_t number) {
  size_t i, j;

  for (i = 0; i < msg->option_count; i++) {
    const struct gkdc_coap_option *o = &msg->options[i];
    int64_t v = 0;

    if (o->number != number)
      continue;
    if (o->value.len > 4)
      return -1;
    for (j = 0; j < o->value.len; j++)
      v = (v << 8) | o->value.ptr[j];
    return v;
  }
  return -1;
}

int gkdc_client_msg_location_path(const struct gkdc_coap_msg *msg, char *out, size_t cap) {
  size_t i, used = 0;

  if (cap == 0)
    return 0;
  out[0] = '\0';
  for (i = 0; i < msg->option_count; i++) {
    const struct gkdc_coap_option *o = &msg->options[i];
    size_t need;

    if (o->number != GKDC_OPT_LOCATION_PATH)
      continue;
    need = (used > 0 ? 1 : 0) + o->value.len;
    if (need >= cap - used ||
        (o->value.len > 0 && (memchr(o->value.ptr, '/', o->value.len) != NULL ||
                              memchr(o->value.ptr, '\0', o->value.len) != NULL))) {
      out[0] = '\0';
      return 0;
    }
    if (used > 0)
      out[used++] = '/';
    if (o->value.len > 0)
      memcpy(out + used, o->value.ptr, o->value.len);
    used += o->value.len;
    out[used] = '\0';
  }
  return 1;
}

int gkdc_client_msg_has_option(const struct gkdc_coap_msg *msg, uint16_t number) {
  size_t i;

  for (i = 0; i < msg->option_count; i++) {
    if (msg->options[i].number == number)
      return 1;
  }
  return 0;
}

int gkdc_client_pdu_is_partial(const coap_pdu_t *pdu) {
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option(pdu, COAP_OPTION_BLOCK2, &it);

  return opt != NULL && COAP_OPT_BLOCK_MORE(opt) != 0;
}
