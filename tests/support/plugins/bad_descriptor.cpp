// Libraries whose descriptor is wrong in one way each (selected by BROKEN), for the loader's
// refusals. The entry point is hand-written here, as a plain-C plugin would write it.
#include <cstring>

#include "sluice/abi.h"

namespace {
sluice_status_t create(const sluice_host_api_t*, sluice_context_host_ptr, sluice_config_host_ptr,
                       sluice_instance_plugin_ptr* out) {
  *out = nullptr;
  return SLUICE_ERROR;
}
sluice_status_t start(sluice_instance_plugin_ptr) {
  return SLUICE_OK;
}
void destroy(sluice_instance_plugin_ptr) {}
}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t) {
  static sluice_plugin_descriptor_t d = [] {
    sluice_plugin_descriptor_t x{};
    x.struct_size = sizeof(sluice_plugin_descriptor_t);
    x.abi_major = SLUICE_ABI_MAJOR;
    x.abi_minor = SLUICE_ABI_MINOR;
    x.kind = SLUICE_KIND_SOURCE;
    x.name = PLUGIN_NAME;
    x.version = "0.0.1";
    x.description = "Tests only: a broken descriptor";
    x.on_create = create;
    x.on_start = start;
    x.on_destroy = destroy;
#if BROKEN == 1
    x.abi_major = SLUICE_ABI_MAJOR + 1;
    x.abi_minor = 0;
#elif BROKEN == 2
    x.struct_size = 16;
#elif BROKEN == 3
    x.struct_size = sizeof(sluice_plugin_descriptor_t) + 64;
#endif
    return x;
  }();
  return &d;
}
