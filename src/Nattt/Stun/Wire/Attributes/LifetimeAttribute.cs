namespace Nattt.Stun.Wire;

/// <summary>LIFETIME (RFC 8656 section 18.2): seconds until a TURN allocation expires; 0 in a Refresh deletes it.</summary>
public static class LifetimeAttribute
{
    public const StunAttributeType Type = StunAttributeType.Lifetime;

    public static StunError Read(in StunMessageReader message, out uint seconds) => StunUInt32.Read(message, Type, out seconds);

    public static bool TryWrite(ref StunMessageWriter writer, uint seconds) => StunUInt32.TryWrite(ref writer, Type, seconds);
}
