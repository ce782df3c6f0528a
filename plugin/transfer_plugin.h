/* transfer_plugin.h — the transfer effect's LV2 descriptor (plugin/transfer.c),
 * which the module's lv2_descriptor() (plugin/ancestral.c) lists after the
 * synth's. Not exported from the module: only lv2_descriptor is. */
#ifndef ANC_TRANSFER_PLUGIN_H
#define ANC_TRANSFER_PLUGIN_H

#include <lv2/core/lv2.h>

const LV2_Descriptor *anc_lv2_transfer_descriptor(void);

#endif
