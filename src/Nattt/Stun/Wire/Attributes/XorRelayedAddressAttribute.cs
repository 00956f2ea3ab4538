using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>XOR-RELAYED-ADDRESS (RFC 8656 section 18.5): the relayed transport address a TURN server allocated, in XOR form.</summary>
public static class XorRelayedAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.XorRelayedAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.ReadXor(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWriteXor(ref writer, Type, endPoint);
}
