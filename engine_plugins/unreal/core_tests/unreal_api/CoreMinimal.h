// From: Engine/Source/Runtime/Core/Public/CoreMinimal.h
// Stands in for that engine header at the same include path; its declarations (and those it includes) are in
// UnrealApi.h, each with the header that declares it.
#pragma once
#include "UnrealApi.h"
