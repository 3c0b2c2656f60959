// Unreal only (CMakeLists.txt does not build this file): the module entry point UBT needs. The core itself
// includes no Unreal header.
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FDefaultModuleImpl, AvatarBridgeCore)
