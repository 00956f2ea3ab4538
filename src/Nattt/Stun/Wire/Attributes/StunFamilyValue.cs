namespace Nattt.Stun.Wire;

/// <summary>The 4-byte family value of REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY: family, 3 reserved.</summary>
public static class StunFamilyValue
{
    public static StunError Read(in StunMessageReader message, StunAttributeType type, out StunAddressFamily family)
    {
        family = default;
        if (!message.TryGetAttribute(type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        if (value[0] is not ((byte)StunAddressFamily.IPv4 or (byte)StunAddressFamily.IPv6)) return StunError.AddressFamilyUnknown;
        family = (StunAddressFamily)value[0];
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, StunAttributeType type, StunAddressFamily family)
    {
        if (!writer.TryReserveAttribute(type, 4, out var value)) return false;
        value.Clear();
        value[0] = (byte)family;
        return true;
    }
}
