using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>MAPPED-ADDRESS (RFC 8489 section 14.1): the reflexive address in plain form, what RFC 3489 servers return and RFC 3489 clients read.</summary>
public static class MappedAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.MappedAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
