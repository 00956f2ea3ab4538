namespace Nattt.Stun.Wire;

/// <summary>REQUESTED-ADDRESS-FAMILY (RFC 8656 section 18.6, from RFC 6156): the family of the relayed address a
/// client asks for in an Allocate (IPv4 when absent).</summary>
public static class RequestedAddressFamilyAttribute
{
    public const StunAttributeType Type = StunAttributeType.RequestedAddressFamily;

    public static StunError Read(in StunMessageReader message, out StunAddressFamily family) =>
        StunFamilyValue.Read(message, Type, out family);

    public static bool TryWrite(ref StunMessageWriter writer, StunAddressFamily family) =>
        StunFamilyValue.TryWrite(ref writer, Type, family);
}
