// (UnrealHeaderTool writes this in the engine.)
#pragma once
