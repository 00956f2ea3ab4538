namespace Nattt.Stun.Wire;

/// <summary>ADDITIONAL-ADDRESS-FAMILY (RFC 8656 section 18.11): asks for an IPv6 relayed address in addition to the
/// IPv4 one (dual allocation). Comprehension-optional.</summary>
public static class AdditionalAddressFamilyAttribute
{
    public const StunAttributeType Type = StunAttributeType.AdditionalAddressFamily;

    public static StunError Read(in StunMessageReader message, out StunAddressFamily family) =>
        StunFamilyValue.Read(message, Type, out family);

    public static bool TryWrite(ref StunMessageWriter writer, StunAddressFamily family) =>
        StunFamilyValue.TryWrite(ref writer, Type, family);
}
