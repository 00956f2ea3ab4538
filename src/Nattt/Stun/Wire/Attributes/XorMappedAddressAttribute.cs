using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>XOR-MAPPED-ADDRESS (RFC 8489 section 14.2): the reflexive address XORed with the cookie (and the transaction ID for IPv6) so that NATs rewriting addresses in payloads leave it alone.</summary>
public static class XorMappedAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.XorMappedAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.ReadXor(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWriteXor(ref writer, Type, endPoint);
}
