/*
 * The gkdc_response helpers of <gkdc/host.h>.
 *
 * A response owns copies of its payload and Location-Path segments. Payloads
 * can carry keying material (a Join Response carries the group key), so
 * they are wiped before they are freed.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "internal.h"

void gkdc_response_init(struct gkdc_response *resp) {
  memset(resp, 0, sizeof(*resp));
  resp->size = sizeof(*resp);
  resp->content_format = GKDC_CF_NONE;
  resp->max_age = -1;
}

static void free_payload(struct gkdc_response *resp) {
  if (resp->payload != NULL) {
    explicit_bzero(resp->payload, resp->payload_len);
    free(resp->payload);
  }
  resp->payload = NULL;
  resp->payload_len = 0;
}

void gkdc_response_clear(struct gkdc_response *resp) {
  size_t i;

  if (resp == NULL)
    return;
  free_payload(resp);
  for (i = 0; i < resp->location_count && i < GKDC_MAX_LOCATION; i++)
    free(resp->location[i]);
  gkdc_response_init(resp);
}

int gkdc_response_set_payload(struct gkdc_response *resp, const uint8_t *data,
                              size_t len) {
  uint8_t *copy = NULL;

  if (data == NULL && len > 0)
    return 0;
  if (len > 0) {
    copy = malloc(len);
    if (copy == NULL)
      return 0;
    memcpy(copy, data, len);
  }

  free_payload(resp);
  resp->payload = copy;
  resp->payload_len = len;
  return 1;
}

int gkdc_response_add_location(struct gkdc_response *resp, const char *segment) {
  char *copy;

  if (segment == NULL || resp->location_count >= GKDC_MAX_LOCATION)
    return 0;
  copy = strdup(segment);
  if (copy == NULL)
    return 0;
  resp->location[resp->location_count++] = copy;
  return 1;
}

int gkdc_response_set(struct gkdc_response *resp, uint8_t code,
                      int32_t content_format, const uint8_t *data, size_t len) {
  if (!gkdc_response_set_payload(resp, data, len))
    return 0;
  resp->code = code;
  resp->content_format = content_format;
  return 1;
}
