#include "Modules/ModuleManager.h"

// Nothing to start: connections open when a Live Link source or an audio component first asks for one.
IMPLEMENT_MODULE(FDefaultModuleImpl, AvatarBridge)
