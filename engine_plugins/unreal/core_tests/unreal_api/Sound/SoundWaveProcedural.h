#pragma once
#include "../UnrealApi.h"
