#include "AvatarBridgeBoneMap.h"

#include "AvatarBridgeCore/Body.h"

UAvatarBridgeBoneMap::UAvatarBridgeBoneMap()
{
	Bones = MannyBones();
}

FName UAvatarBridgeBoneMap::BoneFor(FName Joint) const
{
	const FName* Bone = Bones.Find(Joint);
	return Bone != nullptr ? *Bone : NAME_None;
}

TMap<FName, FName> UAvatarBridgeBoneMap::MannyBones()
{
	TMap<FName, FName> Table;
	for (const auto& Entry : avatarbridge::kMannyBones)
	{
		Table.Add(FName(UTF8_TO_TCHAR(Entry.first.c_str())), FName(UTF8_TO_TCHAR(Entry.second.c_str())));
	}
	return Table;
}
