namespace Nattt.Stun.Wire;

/// <summary>DONT-FRAGMENT (RFC 8656 section 18.9): no value; asks the relay to set DF on packets to the peer.</summary>
public static class DontFragmentAttribute
{
    public const StunAttributeType Type = StunAttributeType.DontFragment;

    public static bool IsPresent(in StunMessageReader message) => message.Has(Type);

    public static bool TryWrite(ref StunMessageWriter writer) => writer.TryReserveAttribute(Type, 0, out _);
}
