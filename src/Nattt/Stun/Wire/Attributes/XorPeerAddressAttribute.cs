using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>XOR-PEER-ADDRESS (RFC 8656 section 18.3): a TURN peer's address as the relay sees it, in XOR form.</summary>
public static class XorPeerAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.XorPeerAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.ReadXor(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWriteXor(ref writer, Type, endPoint);
}
