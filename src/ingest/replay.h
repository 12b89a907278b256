// Forwarding header: the replay loop moved to src/replay (replay/replay.h), the settings parsers
// to ingest/config_file.h. Kept only because src/server/server_config.cc still includes this
// name (src/server is being reworked separately); remove it when that include becomes
// "ingest/config_file.h".
#pragma once

#include "ingest/config_file.h"
