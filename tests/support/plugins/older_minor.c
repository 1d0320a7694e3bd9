/* A processor built as a plugin of ABI 1.0 would be: its descriptor has the 1.0 layout (no
 * on_flush) and says minor 0. The engine must load it and treat what it lacks as absent. It
 * puts "old " before every line. Plain C, using only 1.0 services. */
#include <stdlib.h>
#include <string.h>

#include "sluice/abi.h"

/* sluice_plugin_descriptor_t as ABI 1.0 declared it. */
typedef struct descriptor_1_0 {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t kind;
  const char* name;
  const char* version;
  const char* description;
  sluice_status_t (*on_create)(const sluice_host_api_t*, sluice_context_host_ptr,
                               sluice_config_host_ptr, sluice_instance_plugin_ptr*);
  sluice_status_t (*on_start)(sluice_instance_plugin_ptr);
  void (*on_stop)(sluice_instance_plugin_ptr);
  void (*on_destroy)(sluice_instance_plugin_ptr);
  void (*on_ack)(sluice_instance_plugin_ptr, uint64_t, sluice_outcome_t);
  sluice_status_t (*on_process)(sluice_instance_plugin_ptr, sluice_batch_host_ptr);
} descriptor_1_0;

typedef struct instance {
  const sluice_host_api_t* host;
} instance;

static sluice_status_t create(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
                              sluice_config_host_ptr cfg, sluice_instance_plugin_ptr* out) {
  (void)ctx;
  (void)cfg;
  instance* self = (instance*)calloc(1, sizeof(instance));
  if (self == NULL) return SLUICE_ERROR;
  self->host = host;
  *out = self;
  return SLUICE_OK;
}

static sluice_status_t start(sluice_instance_plugin_ptr self) {
  (void)self;
  return SLUICE_OK;
}

static void destroy(sluice_instance_plugin_ptr self) {
  free(self);
}

static sluice_status_t process(sluice_instance_plugin_ptr p, sluice_batch_host_ptr batch) {
  instance* self = (instance*)p;
  const sluice_record_t* in = NULL;
  size_t count = 0;
  self->host->callback_batch_records(batch, &in, &count);
  size_t bytes = 0;
  for (size_t i = 0; i < count; ++i) bytes += in[i].line.size + 4;
  sluice_record_t* out = (sluice_record_t*)malloc((count + 1) * sizeof(sluice_record_t));
  char* text = (char*)malloc(bytes + 1);
  if (out == NULL || text == NULL) {
    free(out);
    free(text);
    return SLUICE_ERROR;
  }
  char* at = text;
  for (size_t i = 0; i < count; ++i) {
    out[i] = in[i];
    memcpy(at, "old ", 4);
    memcpy(at + 4, in[i].line.data, in[i].line.size);
    out[i].line.data = at;
    out[i].line.size = in[i].line.size + 4;
    at += out[i].line.size;
  }
  self->host->callback_batch_replace(batch, out, count);
  free(out);
  free(text);
  return SLUICE_OK;
}

SLUICE_EXPORT const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t major,
                                                                    uint16_t minor) {
  static descriptor_1_0 d = {sizeof(descriptor_1_0),
                             1,
                             0,
                             SLUICE_KIND_PROCESSOR,
                             PLUGIN_NAME,
                             "1.0.0",
                             "Tests only: a processor of ABI 1.0",
                             create,
                             start,
                             NULL,
                             destroy,
                             NULL,
                             process};
  (void)major;
  (void)minor;
  /* The host reads struct_size before anything past the fixed head. */
  return (const sluice_plugin_descriptor_t*)(const void*)&d;
}
